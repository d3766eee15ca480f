"""Views of finished reports, one module per format (``registry`` names them: text, json,
classroom, gradescope, junit). Each reads reports and never computes a score; every string it
takes from a report passes ``sanitize``; ``output.deliver`` is the only code that writes."""
