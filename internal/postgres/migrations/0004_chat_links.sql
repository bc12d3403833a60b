-- Chats people linked to their phone number in a messenger (a Telegram
-- bot): where a bot-mode provider sends that number's codes.
CREATE TABLE chat_links (
	provider    TEXT NOT NULL, -- the provider instance, e.g. telegram-bot
	destination TEXT NOT NULL, -- E.164
	chat_id     TEXT NOT NULL,
	linked_at   BIGINT NOT NULL,
	PRIMARY KEY (provider, destination)
);
