"""Console forms of billing, one module per topic. They parse input only; the rules live in
the services, whose ApplicationError lands on the field it names."""
