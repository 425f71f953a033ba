"""The approval workflow: submissions, routing, quorum, SLA, disputes.

Public API: `WorkflowService` (bot.workflow.service), `Outcome`, `Notification`,
`SubmissionView` (bot.workflow.messages), the state machine (bot.workflow.states).
"""
