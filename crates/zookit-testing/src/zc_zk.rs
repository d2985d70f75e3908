//! zc.zk 2.1.0's README example trees, as its doctests import them: the
//! shared input of the registry's and the command line's tests and of the
//! tour.

/// The README's first `tree_text`: a load balancer and two services.
pub const TREE_TEXT: &str = "
/lb : ipvs
  /pools
    /cms
      # The address is fixed because it's
      # exposed externally
      address = '1.2.3.4:80'
      providers -> /cms/providers
    /retail
      address = '1.2.3.5:80'
      providers -> /cms/providers

/cms : z4m cms
  threads = 3
  /providers
  /databases
    /main
      /providers

/retail : z4m retail
  threads = 1
  /providers
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
";

/// The README's second `tree_text`, imported over the first: `/retail`
/// and `/lb/pools/retail` are gone, `/cms` has 4 threads.
pub const TREE_TEXT_2: &str = "
/lb : ipvs
  /pools
    /cms
      # The address is fixed because it's
      # exposed externally
      address = '1.2.3.4:80'
      providers -> /cms/providers

/cms : z4m cms
  threads = 4
  /providers
  /databases
    /main
      /providers
";
