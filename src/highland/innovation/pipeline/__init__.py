"""The cooperation projects' pipeline: their machine on the platform's workflow engine, the
review sweep, the leader's view and its charts."""
