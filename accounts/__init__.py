"""Identity: the user model, the password policy, account validation, roles, login throttling.

It is the bottom layer: every other app may import it, it imports none of ours."""
