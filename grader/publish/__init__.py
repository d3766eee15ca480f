"""Shipping the course: the student release, the Classroom workflow, the Gradescope autograder."""
