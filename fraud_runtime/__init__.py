"""Runtime of the Fraud Lambda Platform: installs, configures, supervises and probes every engine natively."""
