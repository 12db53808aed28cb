"""The main screens: billing, inventory, customers, dealers, reports, settings."""
