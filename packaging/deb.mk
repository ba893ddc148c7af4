# `make deb`: the Debian package build/profbufd_<version>_<arch>.deb.
#
# Included from the top-level Makefile (include packaging/deb.mk), which defines
# VERSION, BUILD, SANITIZE and the rule for $(BUILD)/profbufd. The staging and
# packing steps live in packaging/build-deb.sh; see there for the invariants.

DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE := build/profbufd_$(VERSION)_$(DEB_ARCH).deb
DEB_INPUTS := packaging/build-deb.sh packaging/deb.mk packaging/profbufd.8 \
	packaging/default packaging/profbufd.conf packaging/copyright packaging/postinst packaging/prerm \
	packaging/postrm packaging/debian/control packaging/debian/changelog \
	systemd/profbufd.service

.PHONY: deb
deb: $(DEB_FILE)

# A package is built from the plain build only, never from a sanitizer build.
ifneq ($(SANITIZE),)
$(DEB_FILE):
	@echo "profbufd: make deb: not with SANITIZE=$(SANITIZE) (run make deb without it)" >&2; exit 1
else
$(DEB_FILE): build/profbufd $(DEB_INPUTS)
	packaging/build-deb.sh $(VERSION) build/profbufd $@
endif
