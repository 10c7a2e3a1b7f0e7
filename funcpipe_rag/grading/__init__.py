"""The autograder behind ``funcpipe grade``."""
