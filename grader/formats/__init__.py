"""Views of finished reports. Each module reads reports; none computes a score."""
