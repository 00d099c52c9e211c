"""The template's arithmetic at work: the checks run on every report, and the solver that
splits digit runs whose cells ran together."""
