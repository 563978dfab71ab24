"""lawsearch: search Chinese government rule-of-law reports by heading, lexically and by embedding."""

__version__ = "0.1.0"
