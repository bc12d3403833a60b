-- The retention sweep deletes test-inbox messages by age across applications.
CREATE INDEX test_messages_created ON test_messages (created_at);
