"""The hand-off to the national party-member database (CSDL đảng viên): docs/handoff.md."""
