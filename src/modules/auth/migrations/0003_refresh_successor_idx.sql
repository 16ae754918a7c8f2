-- clearSuccessors runs after each refresh: find the few rows still holding a sealed successor.
CREATE INDEX refresh_tokens_successor_idx ON auth.refresh_tokens (rotated_at) WHERE successor_token IS NOT NULL;
