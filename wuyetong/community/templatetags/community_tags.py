"""Small helpers for the owner's survey form."""

from django import template

register = template.Library()


@register.filter
def qfield(question) -> str:
    """The form field name of a question: "q<id>"."""
    return f"q{question.pk}"


@register.filter
def answer(posted: dict, question):
    """What was posted for a question: a list (multiple choice) or a string."""
    return (posted or {}).get(question.pk, "")


@register.filter
def score_range(top: int):
    return range(1, int(top) + 1)
