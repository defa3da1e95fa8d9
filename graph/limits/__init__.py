"""What an operation may ask for before it runs: shape, cost, argument bounds, and the extension that checks them."""
