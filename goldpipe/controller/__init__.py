"""The goldpipe controller: thin loop and handlers around the pure functions of this package."""
