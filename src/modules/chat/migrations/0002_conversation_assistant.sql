-- A conversation may be with an assistant (the assistants module's): its instructions, model,
-- temperature and tools apply to each answer as the assistant is then, read as the user.
ALTER TABLE chat.conversations ADD COLUMN assistant_id uuid;
