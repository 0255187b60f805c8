"""Historical atrocity cases with sourced, dated timelines (see ``timeline``)."""

from forewarn.cases.timeline import Case, CaseFileError, Event, list_cases, load_case

__all__ = ["Case", "CaseFileError", "Event", "list_cases", "load_case"]
