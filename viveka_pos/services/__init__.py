"""Use cases over the store: validate input, run one unit of work, return documents."""
