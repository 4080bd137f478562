"""Public lead forms: a campaign's web form (hosted page and embed snippet), its spam guards
and its submissions, captured through `handoff.services.capture.lead_capture`."""
