# Sourced by bench scripts: busybox_bundle DIR APPLET... makes DIR a runc bundle (DIR/config.json,
# DIR/rootfs) whose rootfs is busybox-static with those applets, running `sleep 3600` without a
# terminal. Add files to DIR/rootfs before `runc run -d NAME` in DIR.
busybox_bundle() {
  local dir="$1"; shift
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/tmp"
  cp /bin/busybox "$dir/rootfs/bin/"
  local a
  for a in "$@"; do ln -s busybox "$dir/rootfs/bin/$a"; done
  (cd "$dir" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s#"sh"#"sleep","3600"#' config.json)
}
