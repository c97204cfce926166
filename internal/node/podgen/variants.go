package podgen

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Variant is one change to a pod that makes some Pod Security check pass
// or fail. Exclusive variants build a pod of their own and are never
// combined with others.
type Variant struct {
	// Check is the Pod Security check ID the variant exercises.
	Check string
	Name  string
	Apply func(*corev1.Pod)
	// Exclusive variants replace the base pod rather than change it.
	Exclusive bool
	// ServerRewrites is set for variants a v1.32 API server changes before
	// Pod Security sees them (procMount: Unmasked without the ProcMountType
	// and UserNamespacesSupport gates): judge those pods as the server
	// stores them, not as written.
	ServerRewrites bool
}

func ptr[T any](v T) *T { return &v }

func podSC(p *corev1.Pod) *corev1.PodSecurityContext {
	if p.Spec.SecurityContext == nil {
		p.Spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	return p.Spec.SecurityContext
}

func appSC(p *corev1.Pod) *corev1.SecurityContext {
	c := &p.Spec.Containers[0]
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	return c.SecurityContext
}

func caps(p *corev1.Pod) *corev1.Capabilities {
	sc := appSC(p)
	if sc.Capabilities == nil {
		sc.Capabilities = &corev1.Capabilities{}
	}
	return sc.Capabilities
}

func addVolume(p *corev1.Pod, name string, src corev1.VolumeSource) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: src})
	p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: name, MountPath: "/mnt/" + name})
}

func sysctl(name, value string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		sc := podSC(p)
		sc.Sysctls = append(sc.Sysctls, corev1.Sysctl{Name: name, Value: value})
	}
}

func addCap(c corev1.Capability) func(*corev1.Pod) {
	return func(p *corev1.Pod) { caps(p).Add = append(caps(p).Add, c) }
}

const appArmorAnnotation = "container.apparmor.security.beta.kubernetes.io/app"

// Variants lists every variant, grouped by check, in a fixed order.
func Variants() []Variant {
	return []Variant{
		// baseline: host namespaces
		{Check: "hostNamespaces", Name: "hostNetwork", Apply: func(p *corev1.Pod) { p.Spec.HostNetwork = true }},
		{Check: "hostNamespaces", Name: "hostPID", Apply: func(p *corev1.Pod) { p.Spec.HostPID = true }},
		{Check: "hostNamespaces", Name: "hostIPC", Apply: func(p *corev1.Pod) { p.Spec.HostIPC = true }},
		{Check: "hostNamespaces", Name: "hostNetwork-false", Apply: func(p *corev1.Pod) { p.Spec.HostNetwork = false }},
		// baseline: privileged
		{Check: "privileged", Name: "privileged", Apply: func(p *corev1.Pod) { appSC(p).Privileged = ptr(true) }},
		{Check: "privileged", Name: "privileged-false", Apply: func(p *corev1.Pod) { appSC(p).Privileged = ptr(false) }},
		{Check: "privileged", Name: "privileged-init", Apply: func(p *corev1.Pod) {
			c := *p.Spec.Containers[0].DeepCopy()
			c.Name, c.Ports, c.VolumeMounts = "init", nil, nil
			if c.SecurityContext == nil {
				c.SecurityContext = &corev1.SecurityContext{}
			}
			c.SecurityContext.Privileged = ptr(true)
			c.SecurityContext.AllowPrivilegeEscalation = nil
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}},
		// baseline: capabilities
		{Check: "capabilities_baseline", Name: "add-SYS_ADMIN", Apply: addCap("SYS_ADMIN")},
		{Check: "capabilities_baseline", Name: "add-CAP_SYS_PTRACE", Apply: addCap("CAP_SYS_PTRACE")},
		{Check: "capabilities_baseline", Name: "add-NET_RAW", Apply: addCap("NET_RAW")},
		{Check: "capabilities_baseline", Name: "add-BPF", Apply: addCap("BPF")},
		{Check: "capabilities_baseline", Name: "add-CHOWN", Apply: addCap("CHOWN")},
		{Check: "capabilities_baseline", Name: "add-NET_BIND_SERVICE", Apply: addCap("NET_BIND_SERVICE")},
		{Check: "capabilities_baseline", Name: "add-ALL", Apply: addCap("ALL")},
		// baseline: hostPath volumes
		{Check: "hostPathVolumes", Name: "hostPath-root", Apply: func(p *corev1.Pod) {
			addVolume(p, "host", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}})
		}},
		{Check: "hostPathVolumes", Name: "hostPath-var-log", Apply: func(p *corev1.Pod) {
			addVolume(p, "logs", corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}})
		}},
		// baseline: host ports
		{Check: "hostPorts", Name: "hostPort", Apply: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 8080, HostPort: 8080})
		}},
		{Check: "hostPorts", Name: "containerPort", Apply: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 9090})
		}},
		// baseline: AppArmor
		{Check: "appArmorProfile", Name: "apparmor-field-unconfined", Apply: func(p *corev1.Pod) {
			appSC(p).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}},
		{Check: "appArmorProfile", Name: "apparmor-pod-unconfined", Apply: func(p *corev1.Pod) {
			podSC(p).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		}},
		{Check: "appArmorProfile", Name: "apparmor-field-runtime-default", Apply: func(p *corev1.Pod) {
			appSC(p).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}
		}},
		{Check: "appArmorProfile", Name: "apparmor-field-localhost", Apply: func(p *corev1.Pod) {
			appSC(p).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: ptr("tenant-profile")}
		}},
		{Check: "appArmorProfile", Name: "apparmor-annotation-unconfined", Apply: func(p *corev1.Pod) {
			setAnnotation(p, appArmorAnnotation, "unconfined")
		}},
		{Check: "appArmorProfile", Name: "apparmor-annotation-runtime-default", Apply: func(p *corev1.Pod) {
			setAnnotation(p, appArmorAnnotation, "runtime/default")
		}},
		// baseline: SELinux
		{Check: "seLinuxOptions", Name: "selinux-type-spc", Apply: func(p *corev1.Pod) {
			appSC(p).SELinuxOptions = &corev1.SELinuxOptions{Type: "spc_t"}
		}},
		{Check: "seLinuxOptions", Name: "selinux-type-container", Apply: func(p *corev1.Pod) {
			podSC(p).SELinuxOptions = &corev1.SELinuxOptions{Type: "container_t"}
		}},
		{Check: "seLinuxOptions", Name: "selinux-type-container-engine", Apply: func(p *corev1.Pod) {
			appSC(p).SELinuxOptions = &corev1.SELinuxOptions{Type: "container_engine_t"}
		}},
		{Check: "seLinuxOptions", Name: "selinux-user", Apply: func(p *corev1.Pod) {
			podSC(p).SELinuxOptions = &corev1.SELinuxOptions{User: "system_u"}
		}},
		{Check: "seLinuxOptions", Name: "selinux-role", Apply: func(p *corev1.Pod) {
			appSC(p).SELinuxOptions = &corev1.SELinuxOptions{Role: "system_r"}
		}},
		{Check: "seLinuxOptions", Name: "selinux-level", Apply: func(p *corev1.Pod) {
			appSC(p).SELinuxOptions = &corev1.SELinuxOptions{Level: "s0:c123,c456"}
		}},
		// baseline: procMount
		{Check: "procMount", Name: "procMount-default", Apply: func(p *corev1.Pod) {
			appSC(p).ProcMount = ptr(corev1.DefaultProcMount)
		}},
		{Check: "procMount", Name: "procMount-unmasked", ServerRewrites: true, Apply: func(p *corev1.Pod) {
			appSC(p).ProcMount = ptr(corev1.UnmaskedProcMount)
		}},
		// baseline and restricted: seccomp
		{Check: "seccompProfile_baseline", Name: "seccomp-pod-unconfined", Apply: func(p *corev1.Pod) {
			podSC(p).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}},
		{Check: "seccompProfile_baseline", Name: "seccomp-container-unconfined", Apply: func(p *corev1.Pod) {
			appSC(p).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		}},
		{Check: "seccompProfile_baseline", Name: "seccomp-annotation-pod-unconfined", Apply: func(p *corev1.Pod) {
			setAnnotation(p, seccompPodAnnotation, "unconfined")
		}},
		{Check: "seccompProfile_baseline", Name: "seccomp-annotation-container-runtime-default", Apply: func(p *corev1.Pod) {
			setAnnotation(p, seccompContainerAnnotation, "runtime/default")
		}},
		{Check: "seccompProfile_restricted", Name: "seccomp-container-localhost", Apply: func(p *corev1.Pod) {
			appSC(p).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr("profiles/tenant.json")}
		}},
		{Check: "seccompProfile_restricted", Name: "seccomp-pod-runtime-default", Apply: func(p *corev1.Pod) {
			podSC(p).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
		}},
		{Check: "seccompProfile_restricted", Name: "seccomp-pod-unset", Apply: func(p *corev1.Pod) {
			podSC(p).SeccompProfile = nil
		}},
		// baseline: sysctls, by the version that allowed them
		{Check: "sysctls", Name: "sysctl-shm_rmid_forced", Apply: sysctl("kernel.shm_rmid_forced", "1")},
		{Check: "sysctls", Name: "sysctl-ip_local_reserved_ports", Apply: sysctl("net.ipv4.ip_local_reserved_ports", "30000-30010")},
		{Check: "sysctls", Name: "sysctl-tcp_keepalive_time", Apply: sysctl("net.ipv4.tcp_keepalive_time", "600")},
		{Check: "sysctls", Name: "sysctl-tcp_rmem", Apply: sysctl("net.ipv4.tcp_rmem", "4096 87380 6291456")},
		{Check: "sysctls", Name: "sysctl-msgmax", Apply: sysctl("kernel.msgmax", "65536")},
		// baseline: Windows HostProcess
		{Check: "windowsHostProcess", Name: "windows-hostProcess", Apply: func(p *corev1.Pod) {
			podSC(p).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptr(true)}
			p.Spec.HostNetwork = true
		}},
		{Check: "windowsHostProcess", Name: "windows-hostProcess-false", Apply: func(p *corev1.Pod) {
			appSC(p).WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptr(false)}
		}},
		// restricted: volume types
		{Check: "restrictedVolumes", Name: "volume-emptyDir", Apply: func(p *corev1.Pod) {
			addVolume(p, "scratch", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("1Gi"))}})
		}},
		{Check: "restrictedVolumes", Name: "volume-configMap-secret-projected", Apply: func(p *corev1.Pod) {
			addVolume(p, "config", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}})
			addVolume(p, "creds", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}})
			addVolume(p, "bundle", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "ca"}}}}}})
		}},
		{Check: "restrictedVolumes", Name: "volume-pvc-downwardAPI", Apply: func(p *corev1.Pod) {
			addVolume(p, "data", corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}})
			addVolume(p, "info", corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}})
		}},
		{Check: "restrictedVolumes", Name: "volume-nfs", Apply: func(p *corev1.Pod) {
			addVolume(p, "share", corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs.example", Path: "/export"}})
		}},
		{Check: "restrictedVolumes", Name: "volume-iscsi", Apply: func(p *corev1.Pod) {
			addVolume(p, "lun", corev1.VolumeSource{ISCSI: &corev1.ISCSIVolumeSource{TargetPortal: "10.0.0.1:3260", IQN: "iqn.2001-04.com.example:storage", Lun: 0}})
		}},
		// restricted: privilege escalation
		{Check: "allowPrivilegeEscalation", Name: "ape-true", Apply: func(p *corev1.Pod) { appSC(p).AllowPrivilegeEscalation = ptr(true) }},
		{Check: "allowPrivilegeEscalation", Name: "ape-unset", Apply: func(p *corev1.Pod) { appSC(p).AllowPrivilegeEscalation = nil }},
		{Check: "allowPrivilegeEscalation", Name: "ape-false", Apply: func(p *corev1.Pod) { appSC(p).AllowPrivilegeEscalation = ptr(false) }},
		// restricted: non-root
		{Check: "runAsNonRoot", Name: "runAsNonRoot-pod-false", Apply: func(p *corev1.Pod) { podSC(p).RunAsNonRoot = ptr(false) }},
		{Check: "runAsNonRoot", Name: "runAsNonRoot-pod-unset", Apply: func(p *corev1.Pod) { podSC(p).RunAsNonRoot = nil }},
		{Check: "runAsNonRoot", Name: "runAsNonRoot-container-true", Apply: func(p *corev1.Pod) { appSC(p).RunAsNonRoot = ptr(true) }},
		{Check: "runAsNonRoot", Name: "runAsNonRoot-container-false", Apply: func(p *corev1.Pod) { appSC(p).RunAsNonRoot = ptr(false) }},
		{Check: "runAsUser", Name: "runAsUser-pod-0", Apply: func(p *corev1.Pod) { podSC(p).RunAsUser = ptr(int64(0)) }},
		{Check: "runAsUser", Name: "runAsUser-container-0", Apply: func(p *corev1.Pod) { appSC(p).RunAsUser = ptr(int64(0)) }},
		{Check: "runAsUser", Name: "runAsUser-1000", Apply: func(p *corev1.Pod) { appSC(p).RunAsUser = ptr(int64(1000)) }},
		// restricted: capabilities
		{Check: "capabilities_restricted", Name: "drop-NET_RAW-only", Apply: func(p *corev1.Pod) { caps(p).Drop = []corev1.Capability{"NET_RAW"} }},
		{Check: "capabilities_restricted", Name: "drop-none", Apply: func(p *corev1.Pod) { caps(p).Drop = nil }},
		{Check: "capabilities_restricted", Name: "drop-ALL", Apply: func(p *corev1.Pod) { caps(p).Drop = []corev1.Capability{"ALL"} }},
		// Windows pods: restricted relaxes Linux-only checks for them from
		// v1.25, and Linux-only fields are invalid on them.
		{Check: "windows", Name: "windows-pod", Exclusive: true, Apply: func(p *corev1.Pod) {
			p.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
			p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr(true)}
			p.Spec.Containers[0].SecurityContext = nil
		}},
		{Check: "windows", Name: "windows-pod-root", Exclusive: true, Apply: func(p *corev1.Pod) {
			p.Spec.OS = &corev1.PodOS{Name: corev1.Windows}
			p.Spec.SecurityContext = nil
			p.Spec.Containers[0].SecurityContext = nil
		}},
	}
}

func setAnnotation(p *corev1.Pod, k, v string) {
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[k] = v
}
