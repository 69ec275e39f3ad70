"""The yearly white paper of high-growth enterprises, computed from the published lists."""
