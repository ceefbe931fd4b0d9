/// Which page to fetch. `index` is 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub index: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn first(size: u32) -> Self {
        Self { index: 0, size }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.index) * u64::from(self.size)
    }
}

/// One page of a server-side list, with the total the server reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub request: PageRequest,
}

impl<T> Page<T> {
    pub fn empty(request: PageRequest) -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            request,
        }
    }

    /// Number of pages (at least 1, so "page 1/1" reads right for an empty list).
    pub fn page_count(&self) -> u32 {
        page_count(self.total, self.request.size)
    }

    pub fn is_last(&self) -> bool {
        self.request.index + 1 >= self.page_count()
    }
}

pub fn page_count(total: u64, size: u32) -> u32 {
    if size == 0 {
        return 1;
    }
    let pages = total.div_ceil(u64::from(size)).max(1);
    u32::try_from(pages).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        assert_eq!(page_count(0, 10), 1);
        assert_eq!(page_count(1, 10), 1);
        assert_eq!(page_count(10, 10), 1);
        assert_eq!(page_count(11, 10), 2);
        assert_eq!(page_count(117, 10), 12);
        assert_eq!(page_count(117, 0), 1);
        assert_eq!(page_count(u64::MAX, 1), u32::MAX);
    }

    #[test]
    fn offset_and_last_page() {
        let p = Page::<()> {
            items: vec![],
            total: 117,
            request: PageRequest {
                index: 11,
                size: 10,
            },
        };
        assert_eq!(p.request.offset(), 110);
        assert!(p.is_last());
        let p = Page::<()> {
            request: PageRequest { index: 2, size: 10 },
            ..p
        };
        assert!(!p.is_last());
    }
}
