"""How long each stored text may be: one list, read by the mutations' input checks and by the argument bounds.

The input checks (graph/schema/input_checks.py) turn a value past these into
a payload's INVALID error; the argument bounds (graph/limits/bounds.py)
refuse, before anything runs, a value far past them.
"""

EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 8, 128
BIO_MAX = 1000
IMAGE_MAX = 2048
TITLE_MAX = 200
DESCRIPTION_MAX = 500
BODY_MAX = 100_000
COMMENT_MAX = 10_000
TAGS_MAX = 10
TAG_MAX = 32
