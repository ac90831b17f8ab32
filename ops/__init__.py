"""Operations: settings, training, starting servers. Used by make and by tests."""
