from fraud_runtime.cli.app import main

main()
