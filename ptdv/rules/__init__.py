"""Pure-Python rules of the admission pipeline.

Nothing in this package imports Django or the ORM: facts go in, findings and deadlines come out.
Every threshold and deadline is data of a :class:`~ptdv.rules.rulesets.RuleSet` named after the
documents that set it, and every finding carries its citation.
"""
