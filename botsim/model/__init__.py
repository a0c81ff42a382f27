"""The SimPy model of one engagement, one module per mechanism."""
