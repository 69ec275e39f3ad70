"""Illustrative docking data (示例): achievements and needs generated from a small hand-written
table of technologies (topics.py), for the demo and for the labelled matching set."""
