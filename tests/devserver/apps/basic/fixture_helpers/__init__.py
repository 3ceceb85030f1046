"""A top-level package of the fixture app: importable because the app root is on sys.path."""


def shout(text: str) -> str:
    return text.upper()
