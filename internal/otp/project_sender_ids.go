package otp

import (
	"context"
	"fmt"
	"slices"
)

// maxApprovedSenderIDs bounds a project's approved sender ids.
const maxApprovedSenderIDs = 50

// SetApprovedSenderIDs replaces the sender ids a project's sends may name
// in callerId; only the operator may. A sender id is what the recipient
// sees as the sender, so a tenant free to pick one could send as a bank:
// the operator approves each. Each is an E.164 number or an alphanumeric
// sender id of at most 11 characters; duplicates are dropped. It is
// written alone, so an owner's concurrent edit of the project cannot undo
// it. Errors: FORBIDDEN, INVALID_PARAMETER, NOT_FOUND.
func (s *Service) SetApprovedSenderIDs(ctx context.Context, projectID string, ids []string) (*Project, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	if len(ids) > maxApprovedSenderIDs {
		return nil, invalidField("approvedSenderIds", "too_many", "approvedSenderIds lists at most 50 sender ids")
	}
	var clean []string
	for i, id := range ids {
		if id == "" {
			return nil, invalidField(fmt.Sprintf("approvedSenderIds[%d]", i), "invalid_caller_id", "a sender id must not be empty")
		}
		if err := validateCallerID(id); err != nil {
			ErrorOf(err).Field = fmt.Sprintf("approvedSenderIds[%d]", i)
			return nil, err
		}
		if !slices.Contains(clean, id) {
			clean = append(clean, id)
		}
	}
	err := s.store.SetProjectSenderIDs(ctx, projectID, clean, s.clock.Now())
	s.cache.forgetProject(projectID)
	if err != nil {
		return nil, s.notFound(err, "project")
	}
	return s.GetProject(ctx, projectID)
}

// checkSenderID refuses a callerId the operator has not approved for the
// project, whether or not the provider would honour it. The operator's
// own projects may name any: the operator is who approves.
func (p *Project) checkSenderID(callerID string) error {
	if callerID == "" || p.OwnerID == "" || slices.Contains(p.ApprovedSenderIDs, callerID) {
		return nil
	}
	return &Error{Code: CodeForbidden, Key: "sender_id_not_approved", Field: "callerId", Params: map[string]any{"callerId": callerID},
		Message: "callerId is not a sender id the operator approved for this project (approvedSenderIds); ask the operator to approve it"}
}
