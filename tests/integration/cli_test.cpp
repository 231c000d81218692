// Written in a later commit.
