from tenantgrid.cli import main

main()
