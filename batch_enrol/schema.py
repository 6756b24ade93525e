"""The request and response bodies of ``POST /job-interview-create-for-candidate-with-token``.

Mirrors ``contract/openapi.yaml`` (a copy of the published contract) field for field;
``tests/test_schema.py`` fails when the two drift apart.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

ENDPOINT = "/job-interview-create-for-candidate-with-token"
PRODUCTION_BASE_URL = "https://cool.jobmojito.com/functions/v1"

Language = Literal[
    "ar", "bg", "zh", "hr", "cs", "da", "nl", "en", "fil", "fi", "fr", "de", "el", "hi",
    "hu", "id", "it", "ja", "ko", "ms", "no", "pl", "pt", "br", "ro", "ru", "sk", "es",
    "sv", "ta", "th", "tr", "uk", "vi",
]  # fmt: skip
VideoIntroduction = Literal["optional", "required"]
Seniority = Literal["entry-level", "intermediate", "senior", "managerial", "director", "executive"]
ResultView = Literal["none", "minimal", "minimal_with_score", "advanced", "full", "full_expand_scores"]
ConversationSpeed = Literal["slower", "normal", "faster"]
ReportTemplate = Literal["classic", "modern", "one_pager"]
Decision = Literal[
    "ai_accept", "recruiter_accept", "recruiter_action", "ai_reject", "recruiter_reject",
    "already-applied",
]  # fmt: skip

Text = Annotated[str, Field(min_length=1)]
Number = int | float


class HiringForCompany(BaseModel):
    """``hiring_for_company``: the end employer when hiring for a client (all parts optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None  #: omit when hiring for yourself; "undisclosed" for an unnamed client
    description: str | None = None
    location: str | None = None
    sector: str | None = None
    company_size: str | None = None


class PdfExportAutoConfig(BaseModel):
    """``pdf_export_auto_config``: what the automatic PDF report holds.

    Every part may be left out, but none may be null (the contract does not say nullable):
    the ``None`` defaults mean "not given" and are never validated or sent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mojito_language_code: str = None  # type: ignore[assignment]
    contact_details: bool = None  # type: ignore[assignment]
    ai_recruiter_assessment: bool = None  # type: ignore[assignment]
    ai_scoring_rubric: bool = None  # type: ignore[assignment]
    analytics: bool = None  # type: ignore[assignment]
    files: bool = None  # type: ignore[assignment]
    transcript: bool = None  # type: ignore[assignment]
    answer_recording: bool = None  # type: ignore[assignment]
    session_recording: bool = None  # type: ignore[assignment]
    group_by_question: bool = None  # type: ignore[assignment]
    template: ReportTemplate = None  # type: ignore[assignment]


#: The request's object fields and the model of each (for dotted columns such as ``hiring_for_company.name``).
OBJECT_MODELS: dict[str, type[BaseModel]] = {
    "hiring_for_company": HiringForCompany,
    "pdf_export_auto_config": PdfExportAutoConfig,
}


class Candidate(BaseModel):
    """One enrolment request: the validated body sent for one row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Required when ``position_def_set_id`` is not given (the contract says so in prose).
    POSITION_FIELDS: ClassVar[tuple[str, ...]] = (
        "position_name",
        "position_location",
        "position_country_code",
        "mojito_language_code",
    )

    position_def_set_id: str | None = None
    position_external_id: str | None = None
    interview_template_id: str | None = None
    merchant_id: str | None = None
    position_name: str | None = None
    position_location: str | None = None
    position_country_code: str | None = None
    mojito_language_code: Language | None = None
    position_description: str | None = None
    position_description_long: str | None = None
    candidate_name: Text
    candidate_email: Text
    candidate_country_code: Text
    candidate_resume: Text
    candidate_external_id: str | None = None
    candidate_linkedin_url: str | None = None
    candidate_video_introduction: VideoIntroduction | None = None
    interview_attempts: Annotated[Number, Field(ge=1, le=20)] | None = None
    seniority_level: Seniority | None = None
    result_view: ResultView | None = None
    custom_scoring: dict[str, Any] | None = None
    use_enhanced_expectations: bool | None = None
    include_rapport_question: bool | None = None
    include_closing_prompt: bool | None = None
    instructional_video: bool | None = None
    instructional_video_custom_text: str | None = None
    welcome_message: str | None = None
    thank_you_message: str | None = None
    max_duration: Number | None = None  #: seconds (the platform's default is 1200)
    is_embedded: bool | None = None
    interview_department: str | None = None
    interview_salary: str | None = None
    interview_available_till: str | None = None  #: ISO 8601 date or date-time
    interview_conversation_speed: ConversationSpeed | None = None
    max_followups: Annotated[int, Field(ge=0, le=999)] | None = None
    questions_random_subset: Annotated[float, Field(ge=0.01, le=0.9)] | None = None
    required_pronunciation: bool | None = None
    result_enable_edit_transcript: bool | None = None
    tags: list[str] | None = None
    recruiter_profile_id: str | None = None
    hiring_for_company: HiringForCompany | None = None
    pdf_export_auto_config: PdfExportAutoConfig | None = None

    @model_validator(mode="after")
    def _position_fields_without_id(self) -> Candidate:
        if not self.position_def_set_id:
            missing = [name for name in self.POSITION_FIELDS if not getattr(self, name)]
            if missing:
                raise PydanticCustomError(
                    "position_fields_missing",
                    "{fields} required when position_def_set_id is empty",
                    {"fields": ", ".join(missing)},
                )
        return self

    def body(self) -> dict[str, Any]:
        """The JSON body: only the fields that have a value."""
        return self.model_dump(mode="json", exclude_none=True)


class EnrolResponse(BaseModel):
    """A 200 response. Unknown extra fields are kept, so a newer API does not break us."""

    model_config = ConfigDict(extra="allow")

    status: Decision
    interview_url: str
    position_def_set_id: str | None = None
    interview_def_set_id: str | None = None
    profile_interview_id: str | None = None
    reason: str | None = None
    embed_id: str | None = None
    embed_signing_key: str | None = None


class ApiErrorBody(BaseModel):
    """A non-2xx response body: ``{"error": ..., "name": ...}``."""

    model_config = ConfigDict(extra="allow")

    error: str
    name: str | None = None


RESULT_LIST = "/merchant-result-list"


class InterviewResult(BaseModel):
    """One item of ``GET /merchant-result-list``'s ``data``: the fields this project reads.

    The status fields have no published value list: they are kept as the text that came.
    Unknown extra fields are kept, so a newer API does not break us.
    """

    model_config = ConfigDict(extra="allow")

    id: str
    interview_result_id: str | None = None
    profile_interview_id: str | None = None
    definition_id: str | None = None  #: the interview definition (the enrolment's interview_def_set_id)
    candidate_email: str | None = None
    position_step: str | None = None  #: pre-screening or interview
    status: str | None = None
    coach_status: str | None = None  #: started, completed, …
    decision_status: str | None = None  #: selected, rejected, …
    processing_status: str | None = None
    score: float | None = None
    updated_at: str | None = None  #: ISO 8601


class Pagination(BaseModel):
    """Where a page of results sits in the whole list."""

    model_config = ConfigDict(extra="allow")

    total: int
    limit: int
    offset: int
    has_more: bool


class ResultPage(BaseModel):
    """A 200 answer of ``GET /merchant-result-list``."""

    model_config = ConfigDict(extra="allow")

    data: list[InterviewResult]
    pagination: Pagination


FIELDS: tuple[str, ...] = tuple(name for name in Candidate.model_fields)
REQUIRED: tuple[str, ...] = tuple(n for n, f in Candidate.model_fields.items() if f.is_required())
#: The parts of the object fields as a column may name them: ``hiring_for_company.name``, …
PARTS: tuple[str, ...] = tuple(f"{name}.{part}" for name, model in OBJECT_MODELS.items() for part in model.model_fields)


@cache
def contract() -> dict[str, Any]:
    """The OpenAPI contract shipped inside the package."""
    text = resources.files("batch_enrol").joinpath("contract/openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def request_schema() -> dict[str, Any]:
    """The contract's request schema (properties, required)."""
    return contract()["components"]["schemas"]["JobInterviewCreateForCandidateWithTokenRequest"]


def field_description(name: str) -> str:
    """The contract's description of one request field."""
    return str(request_schema()["properties"][name].get("description", "")).strip()
