"""Errors meant for the user: the command line prints them as one line, no traceback."""


class YuqingError(Exception):
    """A problem the user can fix; its message says what and how."""


class PermissionDenied(YuqingError):
    """The user's role does not allow this action."""
