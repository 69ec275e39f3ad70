"""Tech docking (产学研对接): research achievements of universities and laboratories matched
with enterprises' technology needs, and the docking records staff follow up."""
