"""Reminders that reach people: the e-mail digest and the calendar feed of deadlines."""
