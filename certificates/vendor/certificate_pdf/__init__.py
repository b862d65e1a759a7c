"""The certificate PDF: shipped at the root of the certificate function's package (Chalice copies vendor/)."""
