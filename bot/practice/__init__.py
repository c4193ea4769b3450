"""Practice mode for new agents: scripted customer scenarios and the scoring of each answer."""
