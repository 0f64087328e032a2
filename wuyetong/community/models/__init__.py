"""Community life (C8): the owners' committee, emergency numbers, votes, surveys,
activities and neighbour help. One module per subject; all importable from here."""

from .activities import Activity, Signup
from .committee import CommitteeMember
from .emergency import EmergencyContact
from .help import HelpComment, HelpModeration, HelpPost, HelpReport
from .surveys import Answer, Option, Question, Response, Survey
from .votes import Ballot, Vote, VoteRollHouse, VoteRollOwner, VoteVoter

__all__ = [
    "Activity",
    "Answer",
    "Ballot",
    "CommitteeMember",
    "EmergencyContact",
    "HelpComment",
    "HelpModeration",
    "HelpPost",
    "HelpReport",
    "Option",
    "Question",
    "Response",
    "Signup",
    "Survey",
    "Vote",
    "VoteRollHouse",
    "VoteRollOwner",
    "VoteVoter",
]
