"""The shared domain of motdepasse: every rule of the password lifecycle lives here.

Nothing in this package imports a user-interface library; screens, the SSH server, the
support console and the tests all drive the same code.
"""
