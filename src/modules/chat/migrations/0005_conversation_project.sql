-- A conversation may be about one project's code (decision 0048): the tools that work on a
-- project use it unless told otherwise, and refuse another. A reference by id, as across every
-- module: the projects module decides at each answer and each tool call whether its user may
-- still read it.
ALTER TABLE chat.conversations ADD COLUMN project_id uuid;
