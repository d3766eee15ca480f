"""autograd-grader: grade PyTorch autograd exercises with student code in a sandbox."""

__version__ = "0.1.0"
