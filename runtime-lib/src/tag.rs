//! Exception tags as the host sees them: exported by one instance, imported by another, so
//! that both throw and catch the same exceptions.

use wasmaot_abi::metadata::FuncType;

use crate::store::{AsContext, Stored};

/// A tag of a store, exported by an instance. Exceptions of this tag that reach the host are
/// [`crate::Trap::Exception`] errors naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag(pub(crate) Stored);

impl Tag {
    /// The tag's type: the values its exceptions carry (`results` is empty).
    pub fn ty(&self, store: &impl AsContext) -> FuncType {
        let store = store.as_context();
        store.tags[store.index(self.0)].ty.clone()
    }

    /// The name errors give it: its export name in the module defining it, or `tag N`.
    pub fn name<'a>(&self, store: &'a impl AsContext) -> &'a str {
        let store = store.as_context();
        &store.tags[store.index(self.0)].name
    }
}
