"""Classroom kit: what an instructor needs around the lessons."""
