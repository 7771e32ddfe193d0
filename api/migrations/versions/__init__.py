"""Migration revisions, oldest first: 0001 the lists, tokens, audit and solves; 0002 orders and claims."""
