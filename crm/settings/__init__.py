"""Settings profiles: base (everything, from the environment), test, production."""
