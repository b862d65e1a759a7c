"""Domain rules and state machines. Services never see HTTP; they raise AppError."""
