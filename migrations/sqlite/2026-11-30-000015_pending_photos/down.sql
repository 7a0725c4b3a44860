DROP TABLE pending_photos;
