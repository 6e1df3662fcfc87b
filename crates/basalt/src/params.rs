//! Turning Rust values into statement parameters.

pub use basalt_engine::Params;
use basalt_engine::Value;

/// Anything that can be passed as a statement's parameters: `()`, [`Params`] (from
/// [`params!`](crate::params) or [`named_params!`](crate::named_params)), a `Vec<Value>`,
/// an array, or a tuple of values.
pub trait IntoParams {
    /// Converts into engine parameters.
    fn into_params(self) -> Params;
}

impl IntoParams for Params {
    fn into_params(self) -> Params {
        self
    }
}

impl IntoParams for () {
    fn into_params(self) -> Params {
        Params::None
    }
}

impl IntoParams for Vec<Value> {
    fn into_params(self) -> Params {
        Params::Positional(self)
    }
}

impl IntoParams for Vec<(String, Value)> {
    fn into_params(self) -> Params {
        Params::Named(self)
    }
}

impl<T: Into<Value>, const N: usize> IntoParams for [T; N] {
    fn into_params(self) -> Params {
        Params::Positional(self.into_iter().map(Into::into).collect())
    }
}

macro_rules! tuple_params {
    ($($name:ident),+) => {
        impl<$($name: Into<Value>),+> IntoParams for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_params(self) -> Params {
                let ($($name,)+) = self;
                Params::Positional(vec![$($name.into()),+])
            }
        }
    };
}
tuple_params!(A);
tuple_params!(A, B);
tuple_params!(A, B, C);
tuple_params!(A, B, C, D);
tuple_params!(A, B, C, D, E);
tuple_params!(A, B, C, D, E, F);
tuple_params!(A, B, C, D, E, F, G);
tuple_params!(A, B, C, D, E, F, G, H);
